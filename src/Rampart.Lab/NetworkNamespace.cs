using System.Runtime.InteropServices;
using Rampart.Lab.Interop;

namespace Rampart.Lab;

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
        using var handle = File.OpenHandle("/var/run/netns/" + name);
        if (Libc.SetNs(handle, Libc.CloneNewNet) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"setns({name}) failed: errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})");
        }
    }
}
