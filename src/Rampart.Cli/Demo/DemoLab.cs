using Rampart.Lab;

namespace Rampart.Cli.Demo;

/// <summary>
/// The demo's two hosts on one virtual wire: namespaces <c>rampart-demo-PID-a/b</c> (unique per run), host A
/// 192.0.2.1 on veth-a and host B 192.0.2.2 on veth-b (no IPv6: router solicitations would only add noise to the
/// captures the verdict reads), each with its state in a temporary directory and this very <c>rampart</c> as CLI and
/// agent. Dispose stops every process started here (by PID), kills anything left in the namespaces, deletes them and
/// the directory.
/// </summary>
internal sealed class DemoLab : IDisposable
{
    private const string NamespacePrefix = "rampart-demo";
    private readonly NetworkNamespacePair _pair;

    private DemoLab(NetworkNamespacePair pair, string directory)
    {
        _pair = pair;
        Directory = directory;
        A = new AgentHost(pair, pair.A, home: Path.Combine(directory, "a"), binaries: RampartBinaries.ThisCli);
        B = new AgentHost(pair, pair.B, home: Path.Combine(directory, "b"), binaries: RampartBinaries.ThisCli);
    }

    public AgentHost A { get; }

    public AgentHost B { get; }

    public string Directory { get; }

    public static DemoLab Create()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("rampart-demo-").FullName;
        NetworkNamespacePair? pair = null;
        try
        {
            pair = new NetworkNamespacePair(NamespacePrefix, ipv6: false);
            var lab = new DemoLab(pair, directory);
            pair.WaitForLink();
            return lab;
        }
        catch
        {
            pair?.Dispose();
            System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Starts a real HTTP server (python3's http.server) in <paramref name="host"/>'s namespace on
    /// <paramref name="address"/>, serving <paramref name="directory"/>; the lab stops it by PID at the latest.
    /// </summary>
    public HttpFileServer ServeFiles(AgentHost host, string address, int port, string directory) =>
        Own(new HttpFileServer(_pair, host.Namespace, address, port, directory));

    /// <summary>Keeps <paramref name="resource"/> until the lab is disposed (before the namespaces go).</summary>
    public T Own<T>(T resource)
        where T : IDisposable => _pair.Own(resource);

    public void Dispose()
    {
        _pair.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A process that has just been killed may still hold a file for a moment; /tmp is cleaned anyway.
        }
    }
}
