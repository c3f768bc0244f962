using Rampart.Agent.Control;
using Rampart.Store;

namespace Rampart.Agent;

/// <summary>Where this host's agent keeps its state; one agent per host (per network namespace).</summary>
public sealed class AgentOptions
{
    public const string HomeVariable = "RAMPART_HOME";
    public const string DefaultHome = "/var/lib/rampart";
    public const string TraceDirectoryName = "trace";

    private const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public required string Home { get; init; }

    /// <summary>Who besides root may use the read-only control commands.</summary>
    public ControlGroup ControlGroup { get; init; } = ControlGroup.None;

    /// <summary>
    /// Refuses a state directory someone else could control (see <see cref="StateDirectory"/>), or one holding a
    /// symbolic link, before anything in it is opened; then makes it 0700, or 0710 with the control group when that
    /// group exists, so its members can reach the control socket and nothing else.
    /// </summary>
    public static AgentOptions FromEnvironment()
    {
        var home = Environment.GetEnvironmentVariable(HomeVariable);
        home = StateDirectory.Prepare(string.IsNullOrWhiteSpace(home) ? DefaultHome : home);
        var trace = Path.Combine(home, TraceDirectoryName);
        StateDirectory.CheckSubdirectory(home, trace);
        StateDirectory.RefuseLinksIn(home, home);
        StateDirectory.RefuseLinksIn(home, trace);

        var group = ControlGroup.FromEnvironment();
        if (group.Id is null)
        {
            File.SetUnixFileMode(home, PrivateMode);
        }
        else
        {
            group.Own(home);
            File.SetUnixFileMode(home, PrivateMode | UnixFileMode.GroupExecute);
        }

        return new AgentOptions { Home = home, ControlGroup = group };
    }
}
