import EBPFCore

/// Typed contexts (``VerifierOptions/context``): R1 points at a block whose fields alone may be
/// accessed, the pointer fields load as packet pointers, and helpers that move the packet's
/// bounds make every packet pointer unusable.
extension AbstractInterpreter {
    /// Checks an access through a pointer to the typed context: the pointer unmodified (the
    /// kernel's "dereference of modified ctx ptr"), the bytes exactly one field, and a write
    /// only to a writable field (the kernel's `is_valid_access`).
    func checkTypedContextAccess(
        register: UInt8, _ pointer: PointerValue, offset: Int64, size: Int, isWrite: Bool
    ) throws(VerifierError) -> CheckedAccess {
        guard let context = options.context else {
            throw error(.safetyViolation, "R\(register) invalid mem access '\(pointer.typeName)'")
        }
        guard pointer.fixedOffset == 0, pointer.variableOffset.constantValue == 0 else {
            throw error(
                .safetyViolation,
                "dereference of modified ctx ptr R\(register) off=\(pointer.fixedOffset) disallowed")
        }
        guard let field = context.field(at: offset, size: size, isWrite: isWrite), !isWrite || field.isWritable else {
            throw error(.safetyViolation, "invalid bpf_context access off=\(offset) size=\(size) (\(context.name))")
        }
        _ = field
        return CheckedAccess(pointer: pointer, lowest: offset, highest: offset + Int64(size), isFixed: true)
    }

    /// The value a load of the typed context's field at `offset` gives.
    func typedContextValue(at offset: Int64, size: Int, signExtends: Bool) throws(VerifierError) -> RegisterValue {
        guard let field = options.context?.field(at: offset, size: size) else { return .unknownScalar }
        switch field.kind {
        case .scalar:
            return .scalar(Self.loadedScalar(size: size, signExtended: signExtends), id: 0)
        case .packetStart, .packetEnd, .packetMeta:
            if signExtends {
                throw error(.safetyViolation, "invalid bpf_context access off=\(offset) size=\(size): sign-extending load of a pointer")
            }
            switch field.kind {
            case .packetStart: return .pointer(PointerValue(region: .packet))
            case .packetEnd: return .pointer(PointerValue(region: .packetEnd))
            default: return .pointer(PointerValue(region: .packetMeta))
            }
        }
    }

    /// Whether a pointer into `region` may be passed where a helper takes the context.
    func isContextArgument(_ region: PointerValue.Region) -> Bool {
        if options.context != nil {
            if case .typedContext = region { return true }
            return false
        }
        return region.isInputMemory
    }

    /// After a helper that moves the packet's bounds: every packet pointer, in every frame and
    /// spilled on any stack, becomes an unknown scalar (the kernel's
    /// `clear_all_pkt_pointers`), and nothing is known of the length but its range.
    func invalidatePacketPointers() {
        func isPacket(_ value: RegisterValue) -> Bool {
            guard case .pointer(let pointer) = value else { return false }
            switch pointer.region {
            case .packet, .packetEnd, .packetMeta: return true
            default: return false
            }
        }
        var zone = state.zone
        let current = state
        zone.forgetAll { variable in
            if Zone.lengthShift(variable) != nil { return true }
            guard let place = Zone.place(of: variable) else { return false }
            return isPacket(current.value(at: place))
        }
        state.updateAllValues { value in
            if isPacket(value) { value = .unknownScalar }
        }
        state.relations = []
        let none: (Zone.Variable) -> Zone.Interval = { $0 == Zone.zero ? .zero : .unbounded }
        _ = zone.addConstraint(Zone.length, Zone.zero, Int64(options.context?.maxPacketLength ?? Int(UInt32.max)), none)
        _ = zone.addConstraint(Zone.zero, Zone.length, 0, none)
        state.zone = zone
    }

    /// The zone at entry with a typed context: the packet's length is between 0 and
    /// `maxPacketLength`, and no register holds it.
    static func entryZone(maxPacketLength: Int) -> Zone {
        var zone = Zone()
        let none: (Zone.Variable) -> Zone.Interval = { $0 == Zone.zero ? .zero : .unbounded }
        _ = zone.addConstraint(Zone.length, Zone.zero, Int64(maxPacketLength), none)
        _ = zone.addConstraint(Zone.zero, Zone.length, 0, none)
        return zone
    }
}
