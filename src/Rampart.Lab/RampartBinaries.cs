namespace Rampart.Lab;

/// <summary>The command lines that run the <c>rampart</c> CLI and the agent a lab host uses.</summary>
/// <param name="Cli">Runs the CLI; the arguments follow.</param>
/// <param name="Agent">Runs rampartd in the foreground.</param>
public sealed record RampartBinaries(IReadOnlyList<string> Cli, IReadOnlyList<string> Agent)
{
    /// <summary><c>rampart.dll</c> and <c>rampartd.dll</c> built next to the running assembly (a test project references both).</summary>
    public static RampartBinaries BesideThisAssembly
    {
        get
        {
            var directory = AppContext.BaseDirectory;
            return new(["dotnet", Path.Combine(directory, "rampart.dll")], ["dotnet", Path.Combine(directory, "rampartd.dll")]);
        }
    }

    /// <summary>This very <c>rampart</c> process again (apphost, or <c>dotnet rampart.dll</c>), with <c>rampart agent run</c> for the agent.</summary>
    public static RampartBinaries ThisCli
    {
        get
        {
            var process = Environment.ProcessPath ?? throw new IOException("cannot tell where the rampart binary is");
            IReadOnlyList<string> cli = Path.GetFileNameWithoutExtension(process) == "dotnet"
                ? [process, Path.Combine(AppContext.BaseDirectory, "rampart.dll")]
                : [process];
            return new(cli, [.. cli, "agent", "run"]);
        }
    }

    /// <summary>The same CLI, running the agent through <c>rampart agent run</c> as an administrator would.</summary>
    public RampartBinaries WithAgentRunByCli() => this with { Agent = [.. Cli, "agent", "run"] };

    /// <summary>Returns <paramref name="command"/>; throws <see cref="FileNotFoundException"/> if a <c>.dll</c> it runs is not there.</summary>
    public static IReadOnlyList<string> Built(IReadOnlyList<string> command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var file in command.Where(word => word.EndsWith(".dll", StringComparison.Ordinal)))
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException("not built where the lab expects it", file);
            }
        }

        return command;
    }
}
