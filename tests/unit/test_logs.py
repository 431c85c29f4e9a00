from __future__ import annotations

import io
import logging

from morningai.logs import ContextFilter, log_context


def test_records_carry_the_ids_of_their_work() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s%(ids)s"))
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("test.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info("outside")
        with log_context(delivery="d-1", tenant=None):
            with log_context(task=7, trace="abc"):
                logger.info("inside")
            logger.info("after task")
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue().splitlines() == [
        "outside",
        "inside [delivery=d-1 task=7 trace=abc]",
        "after task [delivery=d-1]",
    ]
