import EBPFCommands

EBPFCommand.main()
