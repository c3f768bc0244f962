namespace Rampart.Store;

/// <summary>The state directory, or something in it, could be controlled by someone other than root: nothing is used.</summary>
public sealed class UnsafeStateDirectoryException : IOException
{
    public UnsafeStateDirectoryException()
    {
    }

    public UnsafeStateDirectoryException(string message)
        : base(message)
    {
    }

    public UnsafeStateDirectoryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
