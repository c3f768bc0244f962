namespace Rampart.Console;

/// <summary>Marks the console's assembly (its embedded web assets are found relative to this type).</summary>
public static class ConsoleAssembly;
