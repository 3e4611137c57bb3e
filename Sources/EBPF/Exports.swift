// The EBPF module is the one a user imports: it re-exports every stage of the pipeline and adds
// the small glue that picks a stage by name (program formats, engines, verification on or off).
@_exported import EBPFAssembler
@_exported import EBPFCore
@_exported import EBPFInterpreter
@_exported import EBPFJIT
@_exported import EBPFVerifier
