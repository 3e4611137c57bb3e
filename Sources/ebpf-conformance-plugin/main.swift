import EBPFCommands

ConformancePluginCommand.main()
