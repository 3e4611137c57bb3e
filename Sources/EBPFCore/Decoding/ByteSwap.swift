/// A byte-order conversion of dst's low `bits` (16, 32 or 64) bits; the result is zero-extended.
public struct ByteSwap: Sendable, Hashable, BitwiseCopyable {
    /// Which conversion.
    public enum Kind: Sendable, Hashable, BitwiseCopyable {
        /// `le16/32/64` (0xd4): to little-endian, so on this host only a truncation.
        case toLittleEndian
        /// `be16/32/64` (0xdc): to big-endian, a swap on this host.
        case toBigEndian
        /// `bswap16/32/64` (0xd7, ALU64): an unconditional swap.
        case unconditional
    }

    public var kind: Kind
    /// 16, 32 or 64.
    public var bits: Int

    @inlinable public init(_ kind: Kind, bits: Int) {
        self.kind = kind
        self.bits = bits
    }

    /// Whether the bytes are reversed on a little-endian host (everything but `le`).
    @inlinable public var reversesBytes: Bool { kind != .toLittleEndian }
}
