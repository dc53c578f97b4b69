import Foundation

/// xoshiro256** seeded through SplitMix64: small, fast, and the same sequence everywhere, so a
/// seed always gives the same data.
///
/// Deliberately not a `RandomNumberGenerator`: the standard library's `random(in:using:)` helpers
/// do not promise a stable algorithm across Swift versions, so every draw goes through the helpers
/// below instead.
public struct SeedRandom: Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator for one independent stream, named by the seed and any number of keys
    /// (a domain tag, an integration index, ...). Streams with different keys do not overlap.
    public init(_ keys: UInt64...) {
        var state: UInt64 = 0x6A09_E667_F3BC_C908
        for key in keys { state = Self.mix(state ^ Self.mix(key &+ 0x9E37_79B9_7F4A_7C15)) }
        s0 = Self.splitMix(&state)
        s1 = Self.splitMix(&state)
        s2 = Self.splitMix(&state)
        s3 = Self.splitMix(&state)
    }

    /// SplitMix64's finalizer: a bijection on 64-bit values that scatters nearby inputs.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return mix(state)
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in 0..<bound (bound > 0).
    public mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// Uniform in the closed range.
    public mutating func between(_ low: Int, _ high: Int) -> Int { low + below(high - low + 1) }

    public mutating func between(_ low: Double, _ high: Double) -> Double { low + (high - low) * unit() }

    /// True with probability `probability`.
    public mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    /// Standard normal (Box-Muller).
    public mutating func normal() -> Double {
        let u = 1 - unit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * unit())
    }

    /// Log-normal with the given median: most values near it, a long tail above.
    public mutating func logNormal(median: Double, sigma: Double) -> Double { median * exp(sigma * normal()) }

    public mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }

    /// Picks by weight; `choices` must not be empty and weights must be positive.
    public mutating func pick<T>(weighted choices: [(T, Double)]) -> T {
        let total = choices.reduce(0) { $0 + $1.1 }
        var target = unit() * total
        for (value, weight) in choices {
            if target < weight { return value }
            target -= weight
        }
        return choices[choices.count - 1].0
    }

    private static let alphanumerics = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)

    /// A random string over `alphabet` (default letters and digits), for token-like values.
    public mutating func token(_ length: Int, alphabet: String? = nil) -> String {
        let characters = alphabet.map { Array($0.utf8) } ?? Self.alphanumerics
        var bytes = [UInt8](repeating: 0, count: length)
        for position in 0..<length { bytes[position] = characters[below(characters.count)] }
        return String(decoding: bytes, as: UTF8.self)
    }
}
