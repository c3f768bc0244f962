using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Rampart.Interop.Tests.Harness;

/// <summary>A long-running child of a test (agent, capture); Dispose kills it and its children by PID.</summary>
public sealed class BackgroundProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public BackgroundProcess(IReadOnlyList<string> command, IReadOnlyDictionary<string, string>? environment = null)
    {
        _process = new Process { StartInfo = Tool.StartInfo(command, environment) };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Standard output and error, interleaved as they arrived.</summary>
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

    public void WaitForText(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"'{text}' did not appear (exited: {_process.HasExited}); output: {Output}");
            }

            Thread.Sleep(50);
        }
    }

    /// <summary>SIGINT, which makes tshark write out its capture, then waits.</summary>
    public void Interrupt(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            Tool.Run(["kill", "-INT", _process.Id.ToString(CultureInfo.InvariantCulture)]);
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

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Append(line).Append('\n');
            }
        }
    }
}
