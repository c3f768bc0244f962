using Rampart.DataPath.Interop;

namespace Rampart.DataPath.Linux;

/// <summary>
/// Runs code inside a named network namespace (<c>/var/run/netns/NAME</c>, as made by <c>ip netns add</c>).
/// setns(2) changes only the calling thread, so the work runs on a fresh dedicated thread that ends
/// afterwards; sockets created there stay in that namespace for their whole life, whichever thread uses them.
/// </summary>
public static class NetworkNamespace
{
    public static T Run<T>(string name, Func<T> work)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(work);
        if (name.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException("A namespace name has no '/'.", nameof(name));
        }

        T? result = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Enter(name);
                result = work();
            }
            catch (Exception e)
            {
                failure = e;
            }
        })
        {
            IsBackground = true,
            Name = "netns " + name,
        };
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new InvalidOperationException($"Work in network namespace {name} failed: {failure.Message}", failure);
        }

        return result!;
    }

    /// <summary>Moves the calling thread into the namespace; only for threads the caller owns and retires.</summary>
    public static void Enter(string name)
    {
        using var fd = SafeFileDescriptor.FromResult(Libc.Open("/var/run/netns/" + name, Libc.ORdOnly | Libc.OCloexec), "open netns " + name);
        if (Libc.SetNs(fd, Libc.CloneNewNet) != 0)
        {
            throw new IOException($"setns({name}) failed: {Libc.Describe(Libc.LastError)}");
        }
    }
}
