namespace Rampart.Agent;

/// <summary>Where this host's agent keeps its state; one agent per host (per network namespace).</summary>
public sealed class AgentOptions
{
    public const string HomeVariable = "RAMPART_HOME";
    public const string DefaultHome = "/var/lib/rampart";

    public required string Home { get; init; }

    public static AgentOptions FromEnvironment()
    {
        var home = Environment.GetEnvironmentVariable(HomeVariable);
        home = string.IsNullOrWhiteSpace(home) ? DefaultHome : Path.GetFullPath(home);
        Directory.CreateDirectory(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new AgentOptions { Home = home };
    }
}
