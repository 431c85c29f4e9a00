"""LangGraph graphs and their prompts; they see I/O only through the ports handed to them."""
