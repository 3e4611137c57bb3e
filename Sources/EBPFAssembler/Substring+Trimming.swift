// `package`: the conformance `.data` reader in EBPFTestSupport trims its lines the same way.
extension Substring {
    /// The text without the characters matching `predicate` at either end.
    package func trimming(while predicate: (Character) -> Bool) -> Substring {
        var result = self
        while let first = result.first, predicate(first) { result = result.dropFirst() }
        while let last = result.last, predicate(last) { result = result.dropLast() }
        return result
    }

    /// The text without leading and trailing blanks.
    package func trimmingBlanks() -> Substring { trimming(while: \.isWhitespace) }
}
