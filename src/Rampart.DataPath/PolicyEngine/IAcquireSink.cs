namespace Rampart.DataPath.PolicyEngine;

/// <summary>Takes the data path's acquires: the agent's event loop, or an <see cref="AcquireQueue"/>.</summary>
public interface IAcquireSink
{
    /// <summary>False when full: the engine forgets the binding so a later packet asks again.</summary>
    bool TryRaise(Acquire acquire);
}
