import HealthctlCore
import Testing

@Suite struct RedactorTests {
    static let cases: [(String, String)] = [
        ("invalid_grant: refresh_token=1//0gAbC-dEf_123 expired", "invalid_grant: refresh_token=[REDACTED] expired"),
        ("POST /token?client_secret=s3cr3t&code=4/0AbCd", "POST /token?client_secret=[REDACTED]&code=[REDACTED]"),
        (#"{"error":"invalid_token","access_token": "ya29.a0AfH6SM"}"#, #"{"error":"invalid_token","access_token": "[REDACTED]"}"#),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc", "Authorization: Bearer [REDACTED]"),
        ("Authorization: Bearer abc123def456", "Authorization: Bearer [REDACTED]"),
        ("authorization: basic dXNlcjpwYXNzd29yZA==", "authorization: basic [REDACTED]"),
        ("rejected token ab12cd34ef56", "rejected token [REDACTED]"),
        (#"{"token":"opaque","password":"hunter2"}"#, #"{"token":"[REDACTED]","password":"[REDACTED]"}"#),
        ("password: hunter2, user: app", "password: [REDACTED], user: app"),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl rejected", "jwt [REDACTED] rejected"),
        ("github said gho_16C7e42F292c6912E7710c838347Ae178B4a bad", "github said [REDACTED] bad"),
        ("key 0123456789abcdef0123456789abcdef leaked", "key [REDACTED] leaked"),
        ("raw AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/== at start", "raw [REDACTED] at start"),
        ("AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 first", "[REDACTED] first"),
        ("two a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8A9B0,Zz1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8 runs", "two [REDACTED],[REDACTED] runs"),
    ]

    @Test(arguments: cases)
    func secretsAreMasked(_ text: String, _ expected: String) {
        #expect(Redactor.redact(text) == expected)
    }

    @Test(arguments: [
        "HTTP 503 Service Unavailable",
        "connection timed out after 30000 ms",
        "rate limit exceeded; retry after 60 seconds",
        "password authentication failed for user \"app\"",
        "a_very_long_identifier_without_any_digits_in_it_at_all",
        "Token has been expired or revoked.",
        "status code: 401, auth: failed",
        #"{"error":{"code":"invalid_grant","message":"Bad Request"}}"#,
    ])
    func ordinaryMessagesAreLeftAlone(_ text: String) {
        #expect(Redactor.redact(text) == text)
    }
}
