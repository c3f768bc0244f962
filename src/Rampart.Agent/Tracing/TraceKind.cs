namespace Rampart.Agent.Tracing;

/// <summary>The two traces of the walkthrough: the IKE trace (Oakley.log) and the policy agent trace (ipsecpa.log).</summary>
public enum TraceKind
{
    Ike,
    Agent,
}
