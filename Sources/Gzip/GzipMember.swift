/// Where one gzip member lies in a file and what it holds.
public struct GzipMember: Sendable, Equatable, Codable {
    /// Byte offset of the member's first header byte in the file.
    public var offset: Int64
    /// Compressed length, header and trailer included.
    public var compressedBytes: Int64
    /// Length of the data the member decompresses to (ISIZE without its 32-bit wrap).
    public var uncompressedBytes: Int64
    /// CRC-32 of the uncompressed data, as stored in the member's trailer.
    public var crc32: UInt32

    public init(offset: Int64, compressedBytes: Int64, uncompressedBytes: Int64, crc32: UInt32) {
        self.offset = offset
        self.compressedBytes = compressedBytes
        self.uncompressedBytes = uncompressedBytes
        self.crc32 = crc32
    }
}
