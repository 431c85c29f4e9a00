"""Files cut into retrieval chunks along their structure (definitions, sections) — pure.

A chunk is whole lines; lines end at "\n" only (a "\r\n" file keeps its "\r"), so a file's
chunks concatenate back to the file and line numbers agree with GitHub's. Which files are worth
cutting: `eligibility`; the cutting: `chunks`, along Python's ast (`python`), Markdown and reST
headings (`markup`) or other languages' definitions (`definitions`), in `spans` of lines.
"""

from agents.chunking.chunks import TextChunk, chunk_file
from agents.chunking.eligibility import MAX_CHUNKABLE_BYTES, chunkable, chunkable_text

__all__ = ["MAX_CHUNKABLE_BYTES", "TextChunk", "chunk_file", "chunkable", "chunkable_text"]
