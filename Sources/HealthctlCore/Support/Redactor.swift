/// Removes secrets from error messages before they are grouped, printed or logged.
///
/// OAuth providers echo request parameters back in their errors, so messages stored in
/// `IntegrationHealthLog.errorMessage` can hold access tokens, refresh tokens, authorization codes,
/// client secrets and JWTs. Each is replaced by `[REDACTED]`, keeping the parameter name so the
/// message still says what went wrong.
public enum Redactor {
    public static let mask = "[REDACTED]"

    nonisolated(unsafe) private static let rules: [(Regex<AnyRegexOutput>, String)] = {
        // Keys whose value is secret after `=` or `:`, and keys that name a secret only in URLs and
        // forms (`code=`, `token=`), since prose such as "error code: 401" or "token expired" is not.
        let secretKeys =
            "access_token|refresh_token|id_token|client_secret|client_assertion|password|passwd|secret|api_key|apikey|assertion|code_verifier|authorization|x-api-key"
        let formOnlyKeys = "code|auth|token"
        let value = #"(?!(?:bearer|basic)\s)[^\s&"',;)}\]]+"#
        let patterns: [(String, String)] = [
            // JSON style: "access_token": "..." (before key=value so the quotes are kept).
            (#"(?i)("(?:\#(secretKeys)|token)"\s*:\s*")[^"]*(")"#, "$1\(mask)$2"),
            // key=value and key: value, in URLs, forms, headers and prose. An Authorization
            // header's scheme word is left for the next rule, which masks what follows it.
            (#"(?i)\b(\#(secretKeys))(\s*[=:]\s*)("?)\#(value)"#, "$1$2$3\(mask)"),
            (#"(?i)\b(\#(formOnlyKeys))(=)("?)\#(value)"#, "$1$2$3\(mask)"),
            // Authorization headers: whatever follows Bearer/Basic (over-masking is the safe side),
            // and a credential-looking word after "token".
            (#"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*"#, "$1 \(mask)"),
            (#"(?i)\b(token)\s+(?=[A-Za-z0-9\-._~+/]*[0-9])[A-Za-z0-9\-._~+/]{8,}=*"#, "$1 \(mask)"),
            // JWTs: three base64url parts.
            (#"\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"#, mask),
            // Provider token formats: ya29., gho_, ghp_, xoxb-, sk_live_ and the like.
            (TokenKnowledge.providerTokenPattern, mask),
            // Long hex runs (32+) and long base64 runs (32+ with a digit), as raw tokens appear.
            (#"\b[0-9a-fA-F]{32,}\b"#, mask),
            // (Swift's Regex has no lookbehind: the character before the run is captured and kept.)
            (#"(^|[^A-Za-z0-9+/_\-])(?=[A-Za-z0-9+/_\-]*[0-9])(?=[A-Za-z0-9+/_\-]*[A-Za-z])[A-Za-z0-9+/_\-]{32,}={0,2}"#, "$1\(mask)"),
        ]
        // The patterns are the literals above, every one exercised by RedactorTests: a pattern that
        // does not compile is a programming error, found by the first test run.
        return patterns.map { (try! Regex($0.0), $0.1) }
    }()

    public static func redact(_ text: String) -> String {
        var result = text
        for (regex, template) in rules {
            result = result.replacing(regex) { match in
                expand(template, match)
            }
        }
        return result
    }

    private static func expand(_ template: String, _ match: Regex<AnyRegexOutput>.Match) -> String {
        var out = ""
        var iterator = template.makeIterator()
        while let character = iterator.next() {
            if character == "$", let digit = iterator.next() {
                if let index = digit.wholeNumberValue, index < match.output.count, let value = match.output[index].substring {
                    out += value
                } else if digit.wholeNumberValue == nil {
                    out.append(character)
                    out.append(digit)
                }
            } else {
                out.append(character)
            }
        }
        return out
    }
}
