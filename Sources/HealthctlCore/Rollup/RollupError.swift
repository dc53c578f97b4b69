/// Failures of the rollups: unreadable rows, and prune refusing days without a current rollup.
public enum RollupError: CategorizedError, Equatable, Sendable {
    /// A rollup row that cannot be decoded (written by a newer healthctl, or damaged).
    case unreadablePiece(day: String, reason: String)
    /// Prune would delete days that no current rollup holds.
    case notRolledUp(days: [CalendarDay], schema: String, storeExists: Bool)
    /// `--since` is not before `--until`.
    case emptyRange(since: String, until: String)

    public var category: FailureCategory {
        switch self {
        case .unreadablePiece: return .dataError
        case .notRolledUp: return .configuration
        case .emptyRange: return .usage
        }
    }

    public var description: String {
        switch self {
        case let .unreadablePiece(day, reason):
            return "the rollup of \(day) cannot be read (\(reason)); run healthctl rollup --since \(day) to compute it again while its rows exist"
        case let .notRolledUp(days, schema, storeExists):
            let first = days.first?.text ?? ""
            let last = days.last.map { $0.adding(days: 1).text } ?? ""
            let which = days.count == 1 ? "day \(first) has" : "\(days.count) days from \(first) have"
            let why = storeExists ? "no current rollup" : "no rollup (there are no rollup tables in schema \"\(schema)\")"
            return "prune would delete log rows of days whose reports would then be lost: \(which) \(why); run healthctl rollup --until \(last) first, or give --without-rollups to prune anyway"
        case let .emptyRange(since, until):
            return "--since \(since) is not before --until \(until): no day to roll up"
        }
    }
}
