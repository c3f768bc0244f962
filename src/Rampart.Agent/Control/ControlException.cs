namespace Rampart.Agent.Control;

/// <summary>A request the agent refuses; the message goes back to the caller as it is.</summary>
public sealed class ControlException : Exception
{
    public ControlException()
    {
    }

    public ControlException(string message)
        : base(message)
    {
    }

    public ControlException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
