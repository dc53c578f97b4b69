import Foundation
import Synchronization

/// One `String` for each distinct text decoded from rollups, shared by every piece that holds it.
///
/// A year of rollups repeats the same few hundred redacted error messages in every piece's
/// segments and error counts. Decoded separately, each copy was a heap allocation of its own, a
/// large part of a year report's memory, and every merge of error counts compared the bytes of
/// two copies; shared, equal texts are one buffer, which compares by identity. Looking a text up
/// hashes its bytes and allocates nothing when it is known.
final class TextInterner: Sendable {
    /// Texts kept at most, and with one hash at most; beyond, texts are decoded without being
    /// kept, so texts made to collide cost a few comparisons each, not a search of all.
    static let limit = 100_000
    static let limitPerHash = 4
    /// Texts this short are stored inside the `String` itself, with nothing to share.
    static let inlineLength = 15
    private let known = Mutex<(byHash: [Int: [String]], count: Int)>(([:], 0))

    /// The text of these UTF-8 bytes.
    func text(_ bytes: UnsafeRawBufferPointer) -> String {
        guard bytes.count > Self.inlineLength else { return String(decoding: bytes, as: UTF8.self) }
        let hash = Self.hash(bytes)
        return known.withLock { known in
            let sameHash = known.byHash[hash] ?? []
            if let found = sameHash.first(where: { Self.hasBytes($0, bytes) }) { return found }
            let text = String(decoding: bytes, as: UTF8.self)
            guard known.count < Self.limit, sameHash.count < Self.limitPerHash else { return text }
            known.byHash[hash, default: []].append(text)
            known.count += 1
            return text
        }
    }

    /// FNV-1a: the table's keys need no protection against chosen collisions (a collision only
    /// costs a comparison), and it costs a fraction of `Hasher` on short texts.
    private static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: hash)
    }

    private static func hasBytes(_ text: String, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let utf8 = text.utf8
        guard utf8.count == bytes.count else { return false }
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return true }
        return utf8.withContiguousStorageIfAvailable { stored in stored.baseAddress.map { memcmp($0, base, bytes.count) == 0 } ?? false }
            ?? utf8.elementsEqual(bytes)
    }
}
