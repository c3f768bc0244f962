namespace Rampart.Agent.Policy;

/// <summary>
/// Publishes the applied policy to the components that follow it (IKE, the monitor). Readers take
/// <see cref="Current"/> whenever they need it; <see cref="Changed"/> fires after each swap.
/// </summary>
public sealed class PolicyState
{
    private AppliedPolicy _current = AppliedPolicy.None;

    public event Action<AppliedPolicy>? Changed;

    public AppliedPolicy Current => Volatile.Read(ref _current);

    public void Publish(AppliedPolicy applied)
    {
        Volatile.Write(ref _current, applied);
        Changed?.Invoke(applied);
    }
}
