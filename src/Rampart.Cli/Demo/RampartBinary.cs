namespace Rampart.Cli.Demo;

/// <summary>The command line that starts this very <c>rampart</c> again (apphost, or <c>dotnet rampart.dll</c>).</summary>
internal static class RampartBinary
{
    public static IReadOnlyList<string> Command
    {
        get
        {
            var process = Environment.ProcessPath ?? throw new IOException("cannot tell where the rampart binary is");
            return Path.GetFileNameWithoutExtension(process) == "dotnet"
                ? [process, Path.Combine(AppContext.BaseDirectory, "rampart.dll")]
                : [process];
        }
    }
}
