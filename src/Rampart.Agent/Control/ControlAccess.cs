using Rampart.Store;

namespace Rampart.Agent.Control;

/// <summary>
/// Who may do what over the control socket: root (and the user the agent runs as) everything; members of the
/// control group (<see cref="ControlGroup"/>) only the read-only commands behind <c>monitor</c>, <c>sa list</c>,
/// <c>audit</c>, <c>agent status</c> and <c>policy list/show</c>; anyone else nothing. The socket's file mode keeps
/// others out too; this check does not rely on it.
/// </summary>
public sealed class ControlAccess(AgentOptions options)
{
    /// <summary>Commands that change nothing and reveal no secret (the policy view masks pre-shared keys).</summary>
    public static readonly IReadOnlySet<string> ReadOnlyCommands = new HashSet<string>(StringComparer.Ordinal)
    {
        "agent.status", "sa.list", "monitor.snapshot", "audit.query", PolicyViewCommand,
    };

    public const string PolicyViewCommand = "policy.view";

    private readonly uint _agentUser = StateDirectory.CallerId;
    private long _refused;

    /// <summary>Requests refused since the agent started.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Null when <paramref name="peer"/> may run <paramref name="command"/>; otherwise why not, for the caller.</summary>
    public string? Refusal(PeerCredentials peer, string command)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (peer.UserId == 0 || peer.UserId == _agentUser)
        {
            return null;
        }

        var member = options.ControlGroup.Id is { } group && peer.IsInGroup(group);
        if (member && ReadOnlyCommands.Contains(command))
        {
            return null;
        }

        Interlocked.Increment(ref _refused);
        return ReadOnlyCommands.Contains(command)
            ? $"permission denied: {command} needs root or membership of group '{options.ControlGroup.Name}'"
            : $"permission denied: {command} needs root";
    }
}
