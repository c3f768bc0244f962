using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Rampart.Cli.Demo;

/// <summary>
/// A long-running child (an agent, a capture) whose output goes to a log file. Dispose kills it and its
/// children by PID and reaps it, so nothing outlives the demo.
/// </summary>
internal sealed class BackgroundTool : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    public BackgroundTool(IReadOnlyList<string> command, string logPath)
    {
        _log = new StreamWriter(logPath, append: false, new UTF8Encoding(false)) { AutoFlush = true };
        LogPath = logPath;
        _process = new Process { StartInfo = ToolRunner.StartInfo(command, redirect: true) };
        _process.OutputDataReceived += (_, e) => Write(e.Data);
        _process.ErrorDataReceived += (_, e) => Write(e.Data);
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public string LogPath { get; }

    public bool HasExited => _process.HasExited;

    public string ReadLog()
    {
        lock (_log)
        {
            using var reader = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(reader).ReadToEnd();
        }
    }

    /// <summary>Sends SIGINT (tcpdump flushes its file on it) and waits for the exit.</summary>
    public void Interrupt(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            ToolRunner.Run(["kill", "-INT", _process.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
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
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // Output arriving while the tool is being disposed is not needed.
            }
        }
    }
}
