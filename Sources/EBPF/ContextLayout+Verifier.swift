extension ContextLayout {
    /// The verifier's view of the runtime's block: each field at its runtime offset and size.
    public var verifierDescriptor: ContextDescriptor {
        ContextDescriptor(
            name: name, size: runtimeSize,
            fields: fields.map { field in
                let kind: ContextDescriptor.FieldKind =
                    switch field.kind {
                    case .scalar: .scalar
                    case .packetStart: .packetStart
                    case .packetEnd: .packetEnd
                    case .packetMeta: .packetMeta
                    }
                return ContextDescriptor.Field(
                    name: field.name, offset: field.runtimeOffset, size: field.runtimeSize, kind: kind,
                    isWritable: field.isWritable)
            },
            maxPacketLength: maxPacketLength)
    }
}
