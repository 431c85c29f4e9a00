"""A scripted OpenAI-compatible model server over real HTTP, strict about anything unscripted."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import struct
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

CHAT_PATH = "/v1/chat/completions"
EMBEDDINGS_PATH = "/v1/embeddings"

HOLD_LIMIT = 120.0  # seconds an `expect_chat(hold=...)` answer waits for its release

Match = Callable[[dict[str, Any]], bool] | str | None
Answer = Callable[[dict[str, Any]], Response]

# Shapes from https://platform.openai.com/docs/guides/error-codes: (type, code, message).
_ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request (scripted)."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    404: ("invalid_request_error", "model_not_found", "The model does not exist (scripted)."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached (scripted)."),
    500: ("server_error", None, "The server had an error while processing your request."),
    503: ("server_error", None, "The engine is currently overloaded (scripted)."),
}


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received; the Authorization header is redacted."""

    method: str
    path: str
    json: Any
    headers: dict[str, str]


@dataclass(frozen=True)
class _Expectation:
    label: str
    match: Match
    answer: Answer


class ScriptedModelServer:
    """Answers /v1/chat/completions and /v1/embeddings from per-endpoint FIFO expectations."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, deque[_Expectation]] = {
            CHAT_PATH: deque(),
            EMBEDDINGS_PATH: deque(),
        }
        self._counts = {CHAT_PATH: 0, EMBEDDINGS_PATH: 0}
        self._requests: list[RecordedRequest] = []
        self._unexpected: list[str] = []
        self._allowances: dict[str, str] = {}  # "unused" / "unexpected" -> the test's reason
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> ScriptedModelServer:
        if self._server is not None:
            raise RuntimeError("scripted model server already started")
        # Port 0: the OS picks a free port, so parallel test workers never collide.
        self._server = make_server(
            "127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler
        )
        # A short poll interval: stop() waits for the next poll, and tests stop one per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="scripted-model-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread, self._server, self._thread = self._server, self._thread, None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("scripted model server not started")
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    # -- scripting -----------------------------------------------------------------------------

    def expect_chat(
        self,
        reply: str | None = None,
        *,
        tool_calls: Sequence[Mapping[str, Any]] | None = None,
        match: Match = None,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        error: str | Mapping[str, Any] | None = None,
        usage: tuple[int, int] | None = None,
        model: str | None = None,
        finish_reason: str | None = None,
        times: int = 1,
        delay: float = 0.0,
        hold: threading.Event | None = None,
    ) -> None:
        """Script the next chat completion(s); a status >= 400 answers an OpenAI error instead.

        `delay` holds the answer back that many seconds (a slow model: time to kill a worker);
        `hold` holds it until the test sets the event (a task kept running exactly as long as a
        test needs), at most HOLD_LIMIT seconds, then answers 500 (a forgotten release fails).
        """
        if status < 400 and reply is None and not tool_calls:
            raise ValueError("expect_chat needs a reply or tool_calls (or an error status)")
        calls = [_tool_call(call, n) for n, call in enumerate(tool_calls or ())]

        def answer(body: dict[str, Any]) -> Response:
            if delay > 0:
                time.sleep(delay)
            if hold is not None and not hold.wait(HOLD_LIMIT):
                raise TimeoutError(f"held for {HOLD_LIMIT} s and never released")
            if status >= 400:
                return _error_response(status, error, headers)
            completion = _chat_completion(
                body, reply, calls, usage=usage, model=model, finish_reason=finish_reason
            )
            if body.get("stream"):
                options = body.get("stream_options") or {}
                chunks = _chat_chunks(completion, bool(options.get("include_usage")))
                return _sse_response(chunks, headers)
            return _json_response(completion, 200, headers)

        summary = f"status={status}" if status >= 400 else _preview(reply, calls)
        self._push(CHAT_PATH, f"chat {summary}", match, answer, times)

    def expect_embeddings(
        self,
        vectors: Sequence[Sequence[float]] | None = None,
        *,
        dim: int = 8,
        match: Match = None,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        error: str | Mapping[str, Any] | None = None,
        times: int = 1,
    ) -> None:
        """Script the next embeddings call(s); by default each input gets `text_vector(input)`."""

        def answer(body: dict[str, Any]) -> Response:
            if status >= 400:
                return _error_response(status, error, headers)
            return _json_response(_embeddings(body, vectors, dim), 200, headers)

        summary = f"status={status}" if status >= 400 else f"{len(vectors or ()) or 'auto'} vectors"
        self._push(EMBEDDINGS_PATH, f"embeddings {summary}", match, answer, times)

    def _push(self, path: str, label: str, match: Match, answer: Answer, times: int) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            for _ in range(times):
                self._counts[path] += 1
                expectation = _Expectation(f"#{self._counts[path]} {label}", match, answer)
                self._queues[path].append(expectation)

    # -- inspection ----------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def unexpected(self) -> list[str]:
        with self._lock:
            return list(self._unexpected)

    def pending(self) -> list[str]:
        """Expectations not consumed yet, in order."""
        with self._lock:
            return [e.label for queue in self._queues.values() for e in queue]

    def assert_done(self) -> None:
        """Fail if any request was unexpected or any expectation was left unconsumed."""
        problems = [f"unexpected request: {p}" for p in self.unexpected]
        problems += [f"expectation not consumed: {label}" for label in self.pending()]
        if problems:
            raise AssertionError("scripted model server:\n  " + "\n  ".join(problems))

    def allow_unused(self, reason: str) -> None:
        """Let this test end with expectations unconsumed (say why: it shows in the test)."""
        self._allow("unused", reason)

    def allow_unexpected(self, reason: str) -> None:
        """Let this test end having had unexpected requests (say why: it shows in the test)."""
        self._allow("unexpected", reason)

    def _allow(self, what: str, reason: str) -> None:
        if not reason.strip():
            raise ValueError(f"allowing {what} calls needs a reason")
        with self._lock:
            self._allowances[what] = reason

    def leftovers(self) -> list[str]:
        """What a test's teardown fails on: unexpected requests and unconsumed expectations,
        except those the test allowed with `allow_unexpected` / `allow_unused`."""
        with self._lock:
            allowed = dict(self._allowances)
        problems = []
        if "unexpected" not in allowed:
            problems += [f"unexpected request: {p}" for p in self.unexpected]
        if "unused" not in allowed:
            problems += [f"expectation not consumed: {label}" for label in self.pending()]
        return problems

    # -- serving -------------------------------------------------------------------------------

    def _wsgi(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        return self._handle(request)(environ, start_response)

    def _handle(self, request: Request) -> Response:
        body = request.get_json(silent=True)
        with self._lock:
            self._requests.append(
                RecordedRequest(request.method, request.path, body, _redacted(request.headers))
            )
        where = f"{request.method} {request.path}"
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not key.strip():
            return self._reject(f"{where}: no 'Authorization: Bearer <key>' header", 401)
        if request.method != "POST" or request.path not in self._queues:
            return self._reject(f"{where}: no such scripted endpoint")
        if not isinstance(body, dict):
            return self._reject(f"{where}: body is not a JSON object")
        expectation = self._take(request.path, body, where)
        if isinstance(expectation, str):
            return self._reject(expectation)
        try:
            return expectation.answer(body)
        except Exception as exc:  # a scripting mistake must fail the test, not hang the client
            return self._reject(f"{where}: {expectation.label} could not answer: {exc!r}")

    def _take(self, path: str, body: dict[str, Any], where: str) -> _Expectation | str:
        """Pop the head of the endpoint's FIFO if it matches, else describe why not."""
        with self._lock:
            queue = self._queues[path]
            if not queue:
                return f"{where}: no expectation left ({_describe(path, body)})"
            try:
                mismatch = _mismatch(queue[0].match, path, body)
            except Exception as exc:
                mismatch = f"match raised {exc!r}"
            if mismatch:
                return f"{where}: {queue[0].label} did not match: {mismatch}"
            return queue.popleft()

    def _reject(self, problem: str, status: int = 500) -> Response:
        with self._lock:
            self._unexpected.append(problem)
        error = {"message": f"unexpected request: {problem}"}
        if status != 401:  # a 401 keeps the API's own code, invalid_api_key
            error["code"] = "unexpected_request"
        # x-should-retry: the openai client obeys it, so a stray call fails fast instead of
        # being retried with backoff (and recorded two more times).
        return _error_response(status, error, {"x-should-retry": "false"})


class _QuietHandler(WSGIRequestHandler):
    """Drops werkzeug's per-request access log; the server records requests itself."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@contextmanager
def scripted_model_server() -> Iterator[ScriptedModelServer]:
    """Start a server, yield it, stop it, then fail on its `leftovers()` unless the body
    already failed."""
    server = ScriptedModelServer().start()
    try:
        yield server
    finally:
        server.stop()
    if problems := server.leftovers():
        raise AssertionError("scripted model server:\n  " + "\n  ".join(problems))


def text_vector(text: str, dim: int = 8) -> list[float]:
    """Deterministic unit vector: a sum of per-word pseudo-random vectors, so texts sharing
    words are closer (useful for nearest-neighbour tests) and equal texts are identical."""
    vector = [0.0] * dim
    for word in re.findall(r"\w+", text.lower()) or [text]:
        digest = hashlib.shake_256(word.encode("utf-8")).digest(2 * dim)
        for i in range(dim):
            vector[i] += int.from_bytes(digest[2 * i : 2 * i + 2], "big") / 32767.5 - 1.0
    norm = math.sqrt(sum(v * v for v in vector))
    if norm == 0.0:
        return [1.0] + [0.0] * (dim - 1)
    return [v / norm for v in vector]


# -- response shapes (https://platform.openai.com/docs/api-reference) ------------------------


def _chat_completion(
    body: dict[str, Any],
    reply: str | None,
    calls: list[dict[str, Any]],
    *,
    usage: tuple[int, int] | None,
    model: str | None,
    finish_reason: str | None,
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply, "refusal": None}
    if calls:
        message["tool_calls"] = calls
    if usage is None:
        completion_words = _words(reply) + sum(_words(c["function"]["arguments"]) for c in calls)
        usage = (sum(_words(_content_text(m)) for m in body.get("messages", [])), completion_words)
    choice = {
        "index": 0,
        "message": message,
        "finish_reason": finish_reason or ("tool_calls" if calls else "stop"),
        "logprobs": None,
    }
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model or body.get("model", "scripted-model"),
        "choices": [choice],
        "usage": _usage(*usage),
        "system_fingerprint": None,
    }


def _chat_chunks(completion: dict[str, Any], include_usage: bool) -> Iterator[dict[str, Any]]:
    """Split a completion into `chat.completion.chunk`s the way the API streams them."""
    base = {k: completion[k] for k in ("id", "created", "model", "system_fingerprint")}
    base["object"] = "chat.completion.chunk"
    extra = {"usage": None} if include_usage else {}
    message = completion["choices"][0]["message"]

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
        return {**base, "choices": [choice], **extra}

    yield chunk({"role": "assistant", "content": "", "refusal": None})
    for piece in re.findall(r"\S+\s*|\s+", message["content"] or ""):
        yield chunk({"content": piece})
    for index, call in enumerate(message.get("tool_calls", [])):
        head = {"name": call["function"]["name"], "arguments": ""}
        opening = {"index": index, "id": call["id"], "type": "function", "function": head}
        yield chunk({"tool_calls": [opening]})
        arguments = {"arguments": call["function"]["arguments"]}
        yield chunk({"tool_calls": [{"index": index, "function": arguments}]})
    yield chunk({}, completion["choices"][0]["finish_reason"])
    if include_usage:
        yield {**base, "choices": [], "usage": completion["usage"]}


def _embeddings(
    body: dict[str, Any], vectors: Sequence[Sequence[float]] | None, dim: int
) -> dict[str, Any]:
    inputs = _embedding_inputs(body)
    if not inputs:
        raise ValueError("embeddings request without a usable 'input'")
    if vectors is not None and len(vectors) != len(inputs):
        raise ValueError(f"{len(vectors)} scripted vectors for {len(inputs)} inputs")
    # The request's `dimensions` wins, as with text-embedding-3 models.
    size = body.get("dimensions") or dim
    rows = (
        [list(v) for v in vectors]
        if vectors is not None
        else [text_vector(text, size) for text in inputs]
    )
    # The openai client asks for base64 (little-endian float32) unless told otherwise.
    as_base64 = body.get("encoding_format") == "base64"
    data = [
        {"object": "embedding", "index": i, "embedding": _b64_floats(row) if as_base64 else row}
        for i, row in enumerate(rows)
    ]
    tokens = sum(_words(text) for text in inputs)
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return {"object": "list", "data": data, "model": body.get("model", ""), "usage": usage}


def _tool_call(call: Mapping[str, Any], n: int) -> dict[str, Any]:
    """Accept the API shape or the shorthand {"name", "arguments": dict | str, "id"?}."""
    function = call.get("function", call)
    arguments = function.get("arguments", {})
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments)
    return {
        "id": call.get("id") or f"call_scripted_{n}",
        "type": "function",
        "function": {"name": function["name"], "arguments": arguments},
    }


def _error_response(
    status: int, error: str | Mapping[str, Any] | None, headers: Mapping[str, str] | None
) -> Response:
    default_type = "server_error" if status >= 500 else "invalid_request_error"
    kind, code, message = _ERRORS.get(status, (default_type, None, f"Scripted error {status}."))
    body: dict[str, Any] = {"message": message, "type": kind, "param": None, "code": code}
    if isinstance(error, str):
        body["message"] = error
    elif error is not None:
        body.update(error)
    return _json_response({"error": body}, status, headers)


def _json_response(
    payload: dict[str, Any], status: int, headers: Mapping[str, str] | None
) -> Response:
    response = Response(json.dumps(payload), status=status, mimetype="application/json")
    return _with_headers(response, headers)


def _sse_response(chunks: Iterable[dict[str, Any]], headers: Mapping[str, str] | None) -> Response:
    text = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return _with_headers(Response(text, mimetype="text/event-stream"), headers)


def _with_headers(response: Response, headers: Mapping[str, str] | None) -> Response:
    response.headers["x-request-id"] = f"req_{uuid.uuid4().hex}"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


# -- small helpers -----------------------------------------------------------------------------


def _mismatch(match: Match, path: str, body: dict[str, Any]) -> str | None:
    if match is None:
        return None
    if callable(match):
        return None if match(body) else f"predicate {_name(match)} returned false"
    haystacks = [_last_user_text(body)] if path == CHAT_PATH else _embedding_inputs(body)
    if any(match in text for text in haystacks):
        return None
    return f"{match!r} not in {_describe(path, body)}"


def _describe(path: str, body: dict[str, Any]) -> str:
    if path == CHAT_PATH:
        return f"last user message {_last_user_text(body)[:200]!r}"
    return f"inputs {[text[:80] for text in _embedding_inputs(body)]!r}"


def _last_user_text(body: dict[str, Any]) -> str:
    messages = body.get("messages")
    messages = messages if isinstance(messages, list) else []
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    return _content_text(users[-1]) if users else ""


def _content_text(message: Mapping[str, Any]) -> str:
    """Message content is a string or a list of parts ({"type": "text", "text": ...})."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _embedding_inputs(body: dict[str, Any]) -> list[str]:
    """`input` is a string, a list of strings, a token list or a list of token lists."""
    raw = body.get("input")
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list) and raw and all(isinstance(t, int) for t in raw):
        return [" ".join(map(str, raw))]
    if isinstance(raw, list) and raw:
        return [t if isinstance(t, str) else " ".join(map(str, t)) for t in raw]
    return []


def _redacted(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {
        name: ("Bearer <redacted>" if name.lower() == "authorization" else value)
        for name, value in headers
    }


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _b64_floats(row: Sequence[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(row)}f", *row)).decode("ascii")


def _words(text: str | None) -> int:
    return len(text.split()) if text else 0


def _preview(reply: str | None, calls: list[dict[str, Any]]) -> str:
    if calls:
        return "tool_calls=" + ",".join(c["function"]["name"] for c in calls)
    text = reply or ""
    return f"reply={text[:40] + ('...' if len(text) > 40 else '')!r}"


def _name(match: Callable[..., Any]) -> str:
    return getattr(match, "__qualname__", repr(match))
