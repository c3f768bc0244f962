using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Rampart.Lab;

/// <summary>
/// A long-running child (an agent, a capture, a peer daemon) whose output is kept in memory. It is stopped by its
/// PID: Dispose kills it and its children and reaps it, so nothing outlives the lab.
/// </summary>
public sealed class BackgroundProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly StringBuilder _log = new();

    /// <summary>Starts <paramref name="command"/> (no shell) with extra <paramref name="environment"/> variables.</summary>
    public BackgroundProcess(IReadOnlyList<string> command, IReadOnlyDictionary<string, string>? environment = null)
    {
        _process = new Process { StartInfo = Tool.StartInfo(command, environment) };
        _process.OutputDataReceived += (_, e) => Append(_output, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_error, e.Data);
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output => Read(_output);

    public string Error => Read(_error);

    /// <summary>Standard output and error interleaved as they arrived.</summary>
    public string Log => Read(_log);

    /// <summary>The last <paramref name="lines"/> lines of <see cref="Log"/>, for a failure report.</summary>
    public string LogTail(int lines) => string.Join('\n', Log.TrimEnd().Split('\n').TakeLast(lines));

    /// <summary>Waits until standard output or error contains <paramref name="text"/>; throws if it exits or the time runs out first.</summary>
    public void WaitForText(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Log.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"'{text}' did not appear (exited: {_process.HasExited}). Output: {Log}");
            }

            Thread.Sleep(50);
        }
    }

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    /// <summary>Sends SIGINT (tshark, tcpdump and iperf3 finish their output on it) and waits.</summary>
    public void Interrupt(TimeSpan timeout) => Signal("-INT", timeout);

    /// <summary>SIGTERM, so the process can clean up (charon deletes its routes and TUN device); SIGKILL if it hangs.</summary>
    public void Terminate(TimeSpan timeout)
    {
        Signal("-TERM", timeout);
        Dispose();
    }

    /// <summary>SIGKILL to this PID alone, as a crash: nothing of the process runs its shutdown code.</summary>
    public void Kill() => Signal("-KILL", TimeSpan.FromSeconds(10));

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // Already reaped.
        }

        _process.Dispose();
    }

    private void Signal(string signal, TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            Tool.Run("kill", signal, _process.Id.ToString(CultureInfo.InvariantCulture));
            _process.WaitForExit(timeout);
        }
    }

    private void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            target.Append(line).Append('\n');
            _log.Append(line).Append('\n');
        }
    }

    private string Read(StringBuilder source)
    {
        lock (_log)
        {
            return source.ToString();
        }
    }
}
