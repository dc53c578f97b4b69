/// Progress of a long job, handed to a callback so the executable can draw it. Libraries never print.
public struct JobProgress: Sendable, Equatable {
    /// Units done so far (rows, integrations).
    public var done: Int
    /// Units expected in all, when known.
    public var total: Int?
    /// What is counted, e.g. "rows" or "integrations".
    public var unit: String

    public init(done: Int, total: Int?, unit: String) {
        self.done = done
        self.total = total
        self.unit = unit
    }
}

public typealias ProgressHandler = @Sendable (JobProgress) -> Void
