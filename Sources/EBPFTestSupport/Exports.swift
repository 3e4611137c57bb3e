// Tests import EBPFTestSupport alone: it brings the random program generator and the
// differential harness (shipped targets, because `ebpf-fuzz` uses them) along with the test-only
// pieces defined here.
@_exported import EBPFDifferential
@_exported import EBPFProgramGenerator
