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
    /// Texts kept at most; beyond, texts are decoded without being kept.
    static let limit = 100_000
    /// Slots a lookup probes at most. A text that finds none free is not kept, so texts made to
    /// collide cost a few comparisons each, never a search of the table.
    static let probes = 8
    /// Texts this short are stored inside the `String` itself, with nothing to share.
    static let inlineLength = 15
    private let table = Mutex(Table())

    /// Open addressing: slot `i` holds a text and its hash (0: free), at or a few slots after
    /// the place its hash picks.
    private struct Table {
        var hashes: [UInt64] = Array(repeating: 0, count: 1024)
        var texts: [String] = Array(repeating: "", count: 1024)
        var count = 0
        /// Mixed into each hash, every bit of which then moves the slot it picks (MurmurHash3's
        /// finalizer), so which texts share slots cannot be chosen from outside.
        let seed = UInt64.random(in: 1...UInt64.max)

        func start(of hash: UInt64) -> Int {
            var mixed = hash ^ seed
            mixed ^= mixed >> 33
            mixed &*= 0xff51_afd7_ed55_8ccd
            mixed ^= mixed >> 33
            return Int(truncatingIfNeeded: mixed) & (hashes.count - 1)
        }

        /// Twice the slots; a text that finds no free slot within `probes` of its start is
        /// dropped, as a lookup would not find it there.
        mutating func grow() {
            let old = (hashes, texts)
            hashes = Array(repeating: 0, count: old.0.count * 2)
            texts = Array(repeating: "", count: old.0.count * 2)
            count = 0
            for (hash, text) in zip(old.0, old.1) where hash != 0 {
                var slot = start(of: hash)
                for _ in 0..<TextInterner.probes {
                    if hashes[slot] == 0 {
                        hashes[slot] = hash
                        texts[slot] = text
                        count += 1
                        break
                    }
                    slot = (slot + 1) & (hashes.count - 1)
                }
            }
        }
    }

    /// The text of these UTF-8 bytes.
    func text(_ bytes: UnsafeRawBufferPointer) -> String {
        guard bytes.count > Self.inlineLength else { return String(decoding: bytes, as: UTF8.self) }
        let hash = Self.hash(bytes)
        return table.withLock { table in
            while true {
                if table.count * 2 >= table.hashes.count, table.count < Self.limit { table.grow() }
                var slot = table.start(of: hash)
                for _ in 0..<Self.probes {
                    if table.hashes[slot] == 0 {
                        let text = String(decoding: bytes, as: UTF8.self)
                        guard table.count < Self.limit else { return text }
                        table.hashes[slot] = hash
                        table.texts[slot] = text
                        table.count += 1
                        return text
                    }
                    if table.hashes[slot] == hash, Self.hasBytes(table.texts[slot], bytes) { return table.texts[slot] }
                    slot = (slot + 1) & (table.hashes.count - 1)
                }
                // Every slot probed is taken: a larger table spreads them, unless it is mostly
                // free already and they collide by design.
                guard table.count * 8 >= table.hashes.count, table.count < Self.limit else { return String(decoding: bytes, as: UTF8.self) }
                table.grow()
            }
        }
    }

    /// FNV-1a, never 0 (a free slot): the table needs no protection against chosen collisions
    /// (a collision only costs a comparison), and it costs a fraction of `Hasher` on short texts.
    private static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash | 1
    }

    private static func hasBytes(_ text: String, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let utf8 = text.utf8
        guard utf8.count == bytes.count else { return false }
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return true }
        return utf8.withContiguousStorageIfAvailable { stored in stored.baseAddress.map { memcmp($0, base, bytes.count) == 0 } ?? false }
            ?? utf8.elementsEqual(bytes)
    }
}
