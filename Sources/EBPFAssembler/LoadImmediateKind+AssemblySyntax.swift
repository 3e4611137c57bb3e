import EBPFCore

extension LoadImmediateKind {
    /// The keyword that introduces this kind in an `lddw` operand, or `nil` for a plain
    /// constant.
    ///
    /// An `lddw` whose src field is not zero is written `lddw %rN, KEYWORD A` or
    /// `lddw %rN, KEYWORD A+B`, where `A` is the first slot's immediate and `B` the second
    /// slot's (the upper 32 bits; omitted when zero). Both are 32-bit literals.
    ///
    /// | src | kind | example |
    /// |---|---|---|
    /// | 1 | ``mapByFD`` | `lddw %r1, map_fd 3` |
    /// | 2 | ``mapValueByFD`` | `lddw %r1, map_value_fd 3+16` (map fd 3, value offset 16) |
    /// | 3 | ``variableAddress`` | `lddw %r1, variable_address 7` |
    /// | 4 | ``codeAddress`` | `lddw %r1, code_address 12` |
    /// | 5 | ``mapByIndex`` | `lddw %r1, map_index 0` |
    /// | 6 | ``mapValueByIndex`` | `lddw %r1, map_value_index 0+8` |
    public var assemblyKeyword: String? {
        switch self {
        case .constant: nil
        case .mapByFD: "map_fd"
        case .mapValueByFD: "map_value_fd"
        case .variableAddress: "variable_address"
        case .codeAddress: "code_address"
        case .mapByIndex: "map_index"
        case .mapValueByIndex: "map_value_index"
        }
    }

    /// The kind whose ``assemblyKeyword`` is `keyword`, or `nil`.
    public init?(assemblyKeyword keyword: some StringProtocol) {
        guard let kind = Self.allCases.first(where: { $0.assemblyKeyword == String(keyword) }) else { return nil }
        self = kind
    }
}
