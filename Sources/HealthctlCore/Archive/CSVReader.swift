/// One CSV record, valid only inside the callback that receives it.
///
/// Keeps PostgreSQL's distinction: an unquoted empty field is NULL, a quoted empty field (`""`)
/// is the empty string.
public struct CSVRecord {
    fileprivate var storage: [UInt8] = []
    fileprivate var ends: [Int] = []
    fileprivate var quoted: [Bool] = []

    public var fieldCount: Int { ends.count }

    public func bytes(_ field: Int) -> ArraySlice<UInt8> {
        storage[(field == 0 ? 0 : ends[field - 1])..<ends[field]]
    }

    public func isNull(_ field: Int) -> Bool { !quoted[field] && bytes(field).isEmpty }

    /// The field's text, or nil for NULL.
    public func string(_ field: Int) -> String? {
        isNull(field) ? nil : String(decoding: bytes(field), as: UTF8.self)
    }

    fileprivate mutating func clear() {
        storage.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        quoted.removeAll(keepingCapacity: true)
    }
}

/// What is wrong with CSV input; `record` counts from 1 within the input fed so far.
public struct CSVProblem: Error, Equatable, Sendable, CustomStringConvertible {
    public var record: Int
    public var reason: String
    public var description: String { "CSV record \(record): \(reason)" }
}

/// A streaming RFC 4180 reader (as PostgreSQL's `FORMAT csv` writes it): fields separated by
/// commas, records by LF or CRLF, fields with commas, quotes or line breaks in double quotes,
/// a quote inside doubled. Input may be fed in chunks split anywhere.
public struct CSVReader {
    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted, carriageReturn }

    private var record = CSVRecord()
    private var state = State.fieldStart
    private var fieldQuoted = false
    /// Complete records read so far.
    public private(set) var recordsRead = 0

    public init() {}

    /// True when no record is half read.
    public var isAtRecordBoundary: Bool { state == .fieldStart && record.ends.isEmpty && record.storage.isEmpty }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ onRecord: (CSVRecord) throws -> Void) throws {
        for byte in bytes {
            switch state {
            case .fieldStart:
                switch byte {
                case UInt8(ascii: "\""): fieldQuoted = true; state = .quoted
                case UInt8(ascii: ","): endField()
                case UInt8(ascii: "\n"): endField(); try endRecord(onRecord)
                case UInt8(ascii: "\r"): endField(); state = .carriageReturn
                default: record.storage.append(byte); state = .unquoted
                }
            case .unquoted:
                switch byte {
                case UInt8(ascii: ","): endField(); state = .fieldStart
                case UInt8(ascii: "\n"): endField(); try endRecord(onRecord)
                case UInt8(ascii: "\r"): endField(); state = .carriageReturn
                case UInt8(ascii: "\""): throw problem("a quote inside an unquoted field")
                default: record.storage.append(byte)
                }
            case .quoted:
                if byte == UInt8(ascii: "\"") { state = .quoteInQuoted } else { record.storage.append(byte) }
            case .quoteInQuoted:
                switch byte {
                case UInt8(ascii: "\""): record.storage.append(byte); state = .quoted
                case UInt8(ascii: ","): endField(); state = .fieldStart
                case UInt8(ascii: "\n"): endField(); try endRecord(onRecord)
                case UInt8(ascii: "\r"): endField(); state = .carriageReturn
                default: throw problem("unexpected character after a closing quote")
                }
            case .carriageReturn:
                guard byte == UInt8(ascii: "\n") else { throw problem("a carriage return not followed by a line feed") }
                try endRecord(onRecord)
            }
        }
    }

    public mutating func feed(_ bytes: [UInt8], _ onRecord: (CSVRecord) throws -> Void) throws {
        try bytes.withUnsafeBytes { try feed($0, onRecord) }
    }

    /// Throws when the input ended inside a record or a quoted field.
    public func finish() throws(CSVProblem) {
        if state == .quoted { throw problem("the input ends inside a quoted field") }
        if !isAtRecordBoundary { throw problem("the last record has no line end") }
    }

    private mutating func endField() {
        record.ends.append(record.storage.count)
        record.quoted.append(fieldQuoted)
        fieldQuoted = false
    }

    private mutating func endRecord(_ onRecord: (CSVRecord) throws -> Void) throws {
        recordsRead += 1
        state = .fieldStart
        try onRecord(record)
        record.clear()
    }

    private func problem(_ reason: String) -> CSVProblem { CSVProblem(record: recordsRead + 1, reason: reason) }
}
