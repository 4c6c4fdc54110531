@_exported import VigilJSON
