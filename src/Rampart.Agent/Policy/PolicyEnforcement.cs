namespace Rampart.Agent.Policy;

public enum PolicyEnforcementState : byte
{
    /// <summary>The agent has not read its policy yet: traffic that is not exempt is dropped.</summary>
    Starting,

    /// <summary>The assigned policy is in force.</summary>
    Enforced,

    /// <summary>No policy is assigned, and the agent knows it: traffic flows unfiltered.</summary>
    NoPolicy,

    /// <summary>The last attempt to read or apply the policy failed (see the reason).</summary>
    Failed,
}

/// <summary>Whether a policy decision is in force, why not, and whether traffic flows unfiltered meanwhile.</summary>
public sealed record PolicyEnforcement(PolicyEnforcementState State, string? Reason, bool TrafficFlowsUnfiltered)
{
    public static PolicyEnforcement Starting { get; } = new(PolicyEnforcementState.Starting, "the agent has not applied its policy yet, so all traffic that is not exempt is dropped", false);

    public static PolicyEnforcement Enforced { get; } = new(PolicyEnforcementState.Enforced, null, false);

    public static PolicyEnforcement NoPolicy { get; } = new(PolicyEnforcementState.NoPolicy, null, true);
}
