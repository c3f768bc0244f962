namespace Rampart.Agent.Policy;

/// <summary>
/// Publishes the applied policy to the components that follow it (IKE, the monitor, the data path's chains), and
/// whether a policy decision is in force at all. Readers take <see cref="Current"/> and <see cref="Enforcement"/>
/// whenever they need them; <see cref="Changed"/> fires on each swap, before <see cref="Enforcement"/> says it is in force.
/// Published by the agent's loop, once the data path and IKE enforce the policy.
/// </summary>
public sealed class PolicyState
{
    private AppliedPolicy _current = AppliedPolicy.None;
    private PolicyEnforcement _enforcement = PolicyEnforcement.Starting;

    public event Action<AppliedPolicy>? Changed;

    public AppliedPolicy Current => Volatile.Read(ref _current);

    public PolicyEnforcement Enforcement => Volatile.Read(ref _enforcement);

    public void Publish(AppliedPolicy applied)
    {
        ArgumentNullException.ThrowIfNull(applied);
        Volatile.Write(ref _current, applied);

        // Followers (the netfilter chains) act first: the state says "no policy" only once the chains are gone.
        Changed?.Invoke(applied);
        Volatile.Write(ref _enforcement, applied.Compiled.IsAssigned ? PolicyEnforcement.Enforced : PolicyEnforcement.NoPolicy);
    }

    /// <summary>Applying failed: the last policy published stays in force; if none ever was, non-exempt traffic stays dropped.</summary>
    public void ReportFailure(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var current = Current;
        var consequence = current.Generation < 0
            ? "no policy was in force yet, so all traffic that is not exempt is dropped"
            : current.Policy is { } policy ? $"the previous policy '{policy.Name}' stays in force" : "no policy stays assigned, so traffic flows unfiltered";
        Volatile.Write(ref _enforcement, new PolicyEnforcement(PolicyEnforcementState.Failed, $"{reason}; {consequence}", current.Generation >= 0 && current.Policy is null));
    }
}
