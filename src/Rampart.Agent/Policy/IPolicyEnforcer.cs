namespace Rampart.Agent.Policy;

/// <summary>Puts an applied policy in force: the data path, IKE and the netfilter chains, as one event of the agent's loop.</summary>
public interface IPolicyEnforcer
{
    /// <summary>Completes once the policy is enforced everywhere.</summary>
    Task ApplyAsync(AppliedPolicy applied, CancellationToken cancellationToken);
}
