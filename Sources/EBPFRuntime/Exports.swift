// Programs, helpers, traps and regions are part of this module's API (ProgramLinker takes a
// Program, LinkedProgram holds a HelperRegistry), so importing EBPFRuntime brings EBPFCore along.
@_exported import EBPFCore
