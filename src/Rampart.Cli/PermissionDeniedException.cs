namespace Rampart.Cli;

/// <summary>The caller may not do this (not root, or the agent refused it); the message says what is needed.</summary>
internal sealed class PermissionDeniedException : IOException
{
    public PermissionDeniedException()
    {
    }

    public PermissionDeniedException(string message)
        : base(message)
    {
    }

    public PermissionDeniedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
