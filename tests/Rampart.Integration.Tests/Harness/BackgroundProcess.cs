using System.Diagnostics;
using System.Text;

namespace Rampart.Integration.Tests.Harness;

/// <summary>A process started for a test; Dispose kills it (and its children) by PID and reaps it.</summary>
public sealed class BackgroundProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();

    public BackgroundProcess(string fileName, IEnumerable<string> arguments)
    {
        _process = new Process { StartInfo = Shell.CreateStartInfo(fileName, arguments) };
        _process.OutputDataReceived += (_, e) => Append(_output, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_error, e.Data);
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    /// <summary>Waits until standard error or output contains <paramref name="text"/>.</summary>
    public void WaitForText(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Error.Contains(text, StringComparison.Ordinal) && !Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"'{text}' did not appear (exited: {_process.HasExited}). stderr: {Error}");
            }

            Thread.Sleep(50);
        }
    }

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    /// <summary>Sends SIGINT (tshark and iperf3 finish their output on it) and waits.</summary>
    public void Interrupt(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            Shell.Run("kill", "-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            _process.WaitForExit(timeout);
        }
    }

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

    private static void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (target)
        {
            target.Append(line).Append('\n');
        }
    }
}
