namespace Rampart.Agent;

/// <summary>
/// <c>rampart agent restart</c> clears all IKE state, as stopping and starting the Windows 2000 policy agent did,
/// without dropping the netfilter chains (so secured traffic never leaks during the restart). Components that
/// hold negotiation state register what to clear; the policy agent then re-applies the assigned policy.
/// </summary>
public sealed class AgentLifecycle
{
    private readonly List<Action> _resets = [];
    private readonly Lock _gate = new();

    public void OnRestart(Action reset)
    {
        lock (_gate)
        {
            _resets.Add(reset);
        }
    }

    public void Restart()
    {
        Action[] resets;
        lock (_gate)
        {
            resets = [.. _resets];
        }

        foreach (var reset in resets)
        {
            reset();
        }
    }
}
