using System.Globalization;

namespace Rampart.Lab;

/// <summary>
/// A real HTTP server (<c>python3 -m http.server</c>) in a namespace of a <see cref="NetworkNamespacePair"/>, serving
/// one directory on a documentation address it adds to that namespace's loopback device (so the address is the
/// server's alone, outside the hosts' own filters), e.g. a CA's CRL distribution point. Stopped by its PID, at the
/// latest with the pair.
/// </summary>
public sealed class HttpFileServer : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly BackgroundProcess _process;

    /// <param name="pair">The lab; it stops the server with itself.</param>
    /// <param name="ns">The namespace the server runs in.</param>
    /// <param name="address">The address to serve on (added to <paramref name="ns"/>'s <c>lo</c> as a /32 or /128).</param>
    /// <param name="port">The TCP port.</param>
    /// <param name="directory">What to serve.</param>
    public HttpFileServer(NetworkNamespacePair pair, string ns, string address, int port, string directory)
    {
        ArgumentNullException.ThrowIfNull(pair);
        Prerequisites.Require("python3");
        Address = address;
        Port = port;
        Directory = directory;
        var prefix = address.Contains(':', StringComparison.Ordinal) ? "/128" : "/32";
        NetworkNamespacePair.Exec(ns, "ip", "addr", "replace", address + prefix, "dev", "lo").EnsureSuccess("ip addr add " + address);
        string portText = port.ToString(CultureInfo.InvariantCulture);

        // -u: unbuffered, so its "Serving HTTP" line (and each request's log line) reaches us at once.
        _process = pair.StartProcess(ns, "python3", "-u", "-m", "http.server", "--bind", address, "--directory", directory, portText);
        _process.WaitForText("Serving HTTP", StartTimeout);
    }

    public string Address { get; }

    public int Port { get; }

    public string Directory { get; }

    /// <summary>What the server logged: one line per request, with its path and status.</summary>
    public string Log => _process.Log;

    /// <summary>The URL of <paramref name="file"/> in the served directory.</summary>
    public string Url(string file) => Address.Contains(':', StringComparison.Ordinal)
        ? string.Create(CultureInfo.InvariantCulture, $"http://[{Address}]:{Port}/{file}")
        : string.Create(CultureInfo.InvariantCulture, $"http://{Address}:{Port}/{file}");

    /// <summary>Makes the server reachable from <paramref name="ns"/> through <paramref name="gateway"/> (the server's host on the link).</summary>
    public void RouteFrom(string ns, string gateway)
    {
        var prefix = Address.Contains(':', StringComparison.Ordinal) ? "/128" : "/32";
        NetworkNamespacePair.Exec(ns, "ip", "route", "replace", Address + prefix, "via", gateway).EnsureSuccess("ip route add " + Address);
    }

    /// <summary>Stops the server (SIGTERM, SIGKILL if it hangs): the address then has nothing listening.</summary>
    public void Stop() => _process.Terminate(TimeSpan.FromSeconds(5));

    public void Dispose() => _process.Dispose();
}
