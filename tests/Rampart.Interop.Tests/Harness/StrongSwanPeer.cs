using System.Globalization;
using Rampart.Lab;

namespace Rampart.Interop.Tests.Harness;

/// <summary>
/// A private strongSwan charon (Debian's strongswan-charon, userspace ESP with kernel-libipsec) in a network
/// namespace, with everything it owns in <see cref="Home"/>: strongswan.conf, swanctl.conf, the log, the vici
/// socket and the pid file. charon 5.9.8 always writes /var/run/charon.pid, so it runs in its own mount namespace
/// where <c>Home/run</c> is bind-mounted over /run: any number of charons run side by side and none touches the
/// host's /run. <c>ip netns exec</c>, <c>unshare</c> and <c>sh</c> all exec, so the process started here is charon
/// itself: Dispose stops it by that PID (SIGTERM, then SIGKILL).
/// </summary>
public sealed class StrongSwanPeer : IDisposable
{
    public const string Charon = "/usr/lib/ipsec/charon";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private readonly BackgroundProcess _charon;
    private readonly Dictionary<string, string> _environment;

    /// <summary>Writes <paramref name="configuration"/> into <paramref name="directory"/> and starts charon in <paramref name="networkNamespace"/>.</summary>
    public StrongSwanPeer(string networkNamespace, string directory, StrongSwanConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Home = Path.GetFullPath(directory);
        if (Home.StartsWith("/run/", StringComparison.Ordinal) || Home.StartsWith("/var/run/", StringComparison.Ordinal))
        {
            throw new ArgumentException("charon's directory cannot be under /run: its /run is replaced by a bind mount", nameof(directory));
        }

        var run = Path.Combine(Home, "run");
        Directory.CreateDirectory(run);
        configuration.WriteTo(Home, ViciSocket, LogFile);
        _environment = new Dictionary<string, string>
        {
            ["STRONGSWAN_CONF"] = Path.Combine(Home, "strongswan.conf"),
            ["SWANCTL_DIR"] = Home,
        };

        // $0 = the directory to mount over /run, $1 = charon.
        string[] command =
        [
            "ip", "netns", "exec", networkNamespace, "unshare", "--mount", "--propagation", "private", "--",
            "sh", "-c", "mount --bind \"$0\" /run && exec \"$1\"", run, Charon,
        ];
        _charon = new BackgroundProcess(command, _environment);
        try
        {
            WaitUntilAnswering();
            VerifyPidFile(run);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The configuration and state directory of this charon.</summary>
    public string Home { get; }

    public int ProcessId => _charon.Id;

    public string LogFile => Path.Combine(Home, "charon.log");

    private string ViciSocket => Path.Combine(Home, "run", "charon.vici");

    /// <summary>swanctl against this charon's vici socket and configuration (no namespace needed: the socket is a path).</summary>
    public ToolResult Swanctl(params string[] arguments) =>
        Tool.Run(["swanctl", .. arguments], TimeSpan.FromSeconds(60), environment: _environment);

    /// <summary>The end of charon's log and its standard output, for failure messages.</summary>
    public string LogTail()
    {
        var log = File.Exists(LogFile) ? string.Join('\n', File.ReadLines(LogFile).TakeLast(40)) : "(no charon.log)";
        var output = _charon.Log;
        return log + (output.Length > 0 ? "\n--- charon stdout/stderr ---\n" + output : "");
    }

    // SIGTERM lets charon delete its SAs, routes and TUN device; SIGKILL only if it hangs.
    public void Dispose() => _charon.Terminate(StopTimeout);

    private void WaitUntilAnswering()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!File.Exists(ViciSocket) || !Swanctl("--stats").Succeeded)
        {
            if (_charon.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"charon did not start in {Home} (exited: {_charon.HasExited}):\n{LogTail()}");
            }

            Thread.Sleep(100);
        }
    }

    /// <summary>The pid file must name the process started here, or stopping "by PID" would stop something else.</summary>
    private void VerifyPidFile(string run)
    {
        var pidFile = Path.Combine(run, "charon.pid");
        var written = File.Exists(pidFile) ? File.ReadAllText(pidFile).Trim() : "(none)";
        if (written != _charon.Id.ToString(CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException($"charon's pid file says {written}, the process started is {_charon.Id}");
        }
    }
}
