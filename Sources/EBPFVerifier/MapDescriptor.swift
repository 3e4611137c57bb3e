/// What the verifier needs to know about a map a program references with `lddw rN, map`
/// (src 1 or 5, or 2 and 6 for a direct value address): its kind and the sizes of its keys and
/// values.
///
/// Maps themselves belong to the runtime; the verifier only sees this description, keyed in
/// ``VerifierOptions/maps`` by the file descriptor or index written in the `lddw` immediate.
public struct MapDescriptor: Hashable, Sendable {
    /// The map kinds the verifier distinguishes (they differ in which helpers apply and in
    /// whether a value address may be taken directly).
    public enum Kind: String, Hashable, Sendable {
        case hash, array, perCPUHash, perCPUArray, lruHash, ringBuffer, other
    }

    public var kind: Kind
    /// Bytes of a key; the helper argument `mapKey` must point at this many initialised bytes.
    public var keySize: Int
    /// Bytes of a value; a map-value pointer may access `[0, valueSize)`.
    public var valueSize: Int
    public var maxEntries: Int

    public init(kind: Kind = .hash, keySize: Int, valueSize: Int, maxEntries: Int) {
        self.kind = kind
        self.keySize = keySize
        self.valueSize = valueSize
        self.maxEntries = maxEntries
    }
}

/// A map as seen by one `lddw`: the number written in the instruction and the map's description.
public struct MapReference: Hashable, Sendable {
    /// The file descriptor (`lddw` src 1/2) or index (src 5/6) from the immediate.
    public var handle: Int32
    public var descriptor: MapDescriptor

    public init(handle: Int32, descriptor: MapDescriptor) {
        self.handle = handle
        self.descriptor = descriptor
    }
}
