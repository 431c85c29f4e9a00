"""X-Hub-Signature-256 against the vectors of GitHub's docs and octokit/webhooks-methods.js."""

from __future__ import annotations

import pytest

from github_app.signature import is_valid, sign

# GitHub docs, "Validating webhook deliveries"
DOCS_SECRET = b"It's a Secret to Everybody"
DOCS_BODY = b"Hello, World!"
DOCS_SIG = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

# octokit/webhooks-methods.js test/sign.test.ts and verify.test.ts
OCTOKIT = [
    (
        b"mysecret",
        b'{"foo":"bar"}',
        "sha256=4864d2759938a15468b5df9ade20bf161da9b4f737ea61794142f3484236bda3",
    ),
    # GitHub sends compact JSON with upper-cased \uXXXX escapes; the raw bytes are what is signed
    (
        b"development",
        '{"foo":"Foo\\n\\u001B[34mbar: ♥♥♥♥♥♥♥♥\\nthis-is-lost\\u001B[0m\\u001B[2K"}'.encode(),
        "sha256=afecc3caa27548bb90d51a50384cb2868b9a3327b4ad6a01c9bd4ed0f8b0b12c",
    ),
    (
        b"development",
        b'{"foo":"\\\\u001b"}',
        "sha256=6f8326efbacfbd04e870cea25b5652e635be8c9807f2fd5348ef60753c9e96ed",
    ),
]


def test_docs_vector() -> None:
    assert sign(DOCS_SECRET, DOCS_BODY) == DOCS_SIG
    assert is_valid(DOCS_SECRET, DOCS_BODY, DOCS_SIG)


@pytest.mark.parametrize(("secret", "body", "header"), OCTOKIT)
def test_octokit_vectors(secret: bytes, body: bytes, header: str) -> None:
    assert sign(secret, body) == header
    assert is_valid(secret, body, header)


def test_lower_cased_escapes_are_different_bytes() -> None:
    secret, body, header = OCTOKIT[1]
    assert not is_valid(secret, body.replace(b"\\u001B", b"\\u001b"), header)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "foo",
        "sha256=",
        "sha256=" + "0" * 64,
        # a valid SHA-1 style header is not accepted: only sha256= is
        "sha1=4864d2759938a15468b5df9ade20bf161da9b4f7",
        "SHA256=4864d2759938a15468b5df9ade20bf161da9b4f737ea61794142f3484236bda3",
        "sha256=4864d2759938a15468b5df9ade20bf161da9b4f737ea61794142f3484236bda3 ",
        "sha256=ä864d2759938a15468b5df9ade20bf161da9b4f737ea61794142f3484236bda3",
    ],
)
def test_bad_headers_are_refused(header: str | None) -> None:
    assert not is_valid(b"mysecret", b'{"foo":"bar"}', header)


def test_wrong_secret_and_empty_secret() -> None:
    _, body, header = OCTOKIT[0]
    assert not is_valid(b"foo", body, header)
    assert not is_valid(b"", body, header)
