extension ContextLayout {
    /// The verifier's view of the runtime's block: each field at its runtime offset and size.
    public var verifierDescriptor: ContextDescriptor {
        ContextDescriptor(
            name: name, size: runtimeSize,
            fields: fields.map { field in
                ContextDescriptor.Field(
                    name: field.name, offset: field.runtimeOffset, size: field.runtimeSize, kind: field.kind,
                    isWritable: field.isWritable, narrowAccess: field.narrowAccess,
                    storeSize: field.runtimeSize == field.size ? field.storageSize : nil)
            },
            maxPacketLength: maxPacketLength)
    }
}
