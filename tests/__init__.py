"""The suite. Helpers shared by test modules live in tests/support/ and tests/fakes/; they
assert too, so pytest rewrites their asserts as it does those of test modules."""

import pytest

pytest.register_assert_rewrite("tests.support", "tests.fakes")
