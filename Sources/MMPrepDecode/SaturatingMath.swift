extension Int64 {
    /// `self + other`, clamped to the representable range instead of trapping: timestamps come
    /// from untrusted files.
    func addingSaturating(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }
}
