// A GeNIe DSL file (checked by hand)
net Asia_small
{
 HEADER =
  {
   ID = Asia_small;
   NAME = "Asia (small)";
  };
 CREATION =
  {
   CREATOR = "hand";
  };
 NUMSAMPLES = 1000;
 SCREEN =
  {
   POSITION =
    {
     CENTER_X = 0;
     CENTER_Y = 0;
     WIDTH = 76;
     HEIGHT = 36;
    };
   COLOR = 16250871;
  };
 USER_PROPERTIES = {};
 DOCUMENTATION = {};

 node Smoking
  {
   TYPE = CPT;
   HEADER =
    {
     ID = Smoking;
     NAME = "Smoking";
    };
   SCREEN =
    {
     POSITION =
      {
       CENTER_X = 120;
       CENTER_Y = 40;
       WIDTH = 76;
       HEIGHT = 36;
      };
    };
   PARENTS = ();
   DEFINITION =
    {
     NAMESTATES = (NonSmoker, Smoker);
     PROBABILITIES = (0.5, 0.5);
    };
  };

 node Bronchitis
  {
   TYPE = CPT;
   HEADER =
    {
     ID = Bronchitis;
     NAME = "Bronchitis";
    };
   PARENTS = (Smoking);
   DEFINITION =
    {
     NAMESTATES = (Absent, Present);
     PROBABILITIES = (0.7, 0.3, 0.4, 0.6);
    };
  };

 node Dyspnea
  {
   TYPE = CPT;
   PARENTS = (Bronchitis, Smoking);
   DEFINITION =
    {
     NAMESTATES = (No, Yes);
     PROBABILITIES = (0.9, 0.1, 0.8, 0.2, 0.3, 0.7, 0.1, 0.9);
    };
  };
 OBSERVATION_COST =
  {
   node Smoking
    {
     PARENTS = ();
     COSTS = (0);
    };
  };
};
