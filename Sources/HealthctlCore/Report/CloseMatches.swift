/// Suggestions for a mistyped name: the closest candidates by edit distance.
public enum CloseMatches {
    /// Up to `limit` candidates within an edit distance of a third of the name's length (at least
    /// 2), or containing it, closest first.
    public static func find(_ name: String, among candidates: [String], limit: Int = 3) -> [String] {
        let target = Array(name.lowercased())
        let threshold = max(2, target.count / 3)
        let scored: [(String, Int)] = candidates.compactMap { candidate in
            let lowered = candidate.lowercased()
            let distance = editDistance(target, Array(lowered), limit: max(threshold, 0))
            if distance <= threshold { return (candidate, distance) }
            if !target.isEmpty, lowered.contains(String(target)) { return (candidate, threshold + 1) }
            return nil
        }
        return scored.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(limit).map(\.0)
    }

    /// Levenshtein distance, giving up (returning more than `limit`) as soon as it must exceed it.
    static func editDistance(_ a: [Character], _ b: [Character], limit: Int) -> Int {
        if abs(a.count - b.count) > limit { return limit + 1 }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            current[0] = i
            var rowMinimum = current[0]
            for j in stride(from: 1, through: b.count, by: 1) {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
                rowMinimum = min(rowMinimum, current[j])
            }
            if rowMinimum > limit { return limit + 1 }
            swap(&previous, &current)
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
