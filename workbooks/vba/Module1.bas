Attribute VB_Name = "Module1"
Sub SampleCall()
    mymodule = Left(ThisWorkbook.Name, (InStrRev(ThisWorkbook.Name, ".", -1, vbTextCompare) - 1))
    RunPython "import " & mymodule & ";" & mymodule & ".main()"
End Sub

' The Collections ribbon tab (customUI/customUI14.xml): every button calls XlcRibbon with
' itself; its id (xlc_close, xlc_aging, ...) goes to xl_collections.macros.ribbon, which runs
' that step on this workbook (xlwings.Book.caller()), the same function as the sheet button.
Sub XlcRibbon(control As IRibbonControl)
    RunPython "import xl_collections.macros as xlc; xlc.ribbon('" & control.Id & "')"
End Sub
